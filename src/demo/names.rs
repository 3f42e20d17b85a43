//! Invented Chinese names for demo people, deterministic per index. Names of
//! real people from the seed newspaper page are never produced.

const SURNAMES: &[&str] = &[
    "张", "李", "刘", "陈", "杨", "赵", "周", "吴", "徐", "孙", "朱", "马", "胡", "郭", "何", "高", "林", "罗", "郑",
    "梁", "谢", "宋", "唐", "许", "邓", "冯", "曹", "彭", "曾", "蒋", "顾", "陆", "缪", "季", "瞿", "葛",
];

const GIVEN: &[&str] = &[
    "建国", "秀英", "桂兰", "志强", "海燕", "立新", "晓峰", "玉珍", "春华", "国平", "红梅", "卫东", "丽娟", "文彬",
    "美琴", "德明", "静怡", "子涵", "雨萱", "浩然", "凤英", "金宝", "素芬", "永康", "爱华", "建平", "淑贞", "宏伟",
    "月琴", "振华", "巧云", "家豪", "思远", "慧敏", "长庚", "秋菊", "佳琪", "俊杰", "翠萍", "明辉",
];

/// Real names printed in the seed article: never use them for demo people.
const RESERVED: &[&str] = &[
    "韩志美",
    "王一心",
    "成南萍",
    "陈飞",
    "吴小军",
    "袁广珍",
    "管晨童",
    "朱佳",
    "夏云",
    "吕雷雷",
    "黄哲",
    "汤琰",
    "黄丽",
    "贾冯翔",
    "黄晶",
];

/// The `i`-th demo name: a surname and a given name, spread so that
/// neighbours in a list rarely share a surname.
pub fn name(i: usize) -> String {
    let mut k = i;
    loop {
        let surname = SURNAMES[(k * 7) % SURNAMES.len()];
        let given = GIVEN[(k * 13 + k / SURNAMES.len()) % GIVEN.len()];
        let full = format!("{surname}{given}");
        if !RESERVED.contains(&full.as_str()) {
            return full;
        }
        k += 1000;
    }
}

/// The `i`-th demo mobile number (invented, like the names).
pub fn mobile(i: usize) -> String {
    format!("1380000{:04}", i % 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_varied_and_invented() {
        let names: Vec<String> = (0..300).map(name).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert!(unique.len() > 250, "only {} distinct names", unique.len());
        assert!(names.iter().all(|n| !RESERVED.contains(&n.as_str())));
    }
}
